// Implementation of accord/envelope (vocabulary).
