// accord/pipeline (routing_table).
