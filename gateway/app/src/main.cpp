// accord/app (main).
