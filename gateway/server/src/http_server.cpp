// accord/server (http_server).
