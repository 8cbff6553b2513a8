// accord/agreements
