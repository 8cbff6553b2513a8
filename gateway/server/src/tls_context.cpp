// accord/server (tls_context).
