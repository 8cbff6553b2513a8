// accord/app (gateway).
