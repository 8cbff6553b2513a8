// accord/api (api_handler).
