// accord CLI
