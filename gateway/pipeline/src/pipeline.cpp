// accord/pipeline (pipeline).
