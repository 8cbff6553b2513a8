// accord send/inbox/ack
