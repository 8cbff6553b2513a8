// accord/api (rate_limiter).
