// Implementation of accord/envelope (codec).
