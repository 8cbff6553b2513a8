// accord/app (config).
