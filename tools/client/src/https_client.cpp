// accord/client.
