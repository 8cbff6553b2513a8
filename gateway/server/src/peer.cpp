// accord/server (peer).
