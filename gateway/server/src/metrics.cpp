// accord/server (metrics).
