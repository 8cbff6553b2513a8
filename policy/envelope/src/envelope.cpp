// Implementation of accord/envelope (envelope).
