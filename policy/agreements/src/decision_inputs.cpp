// placeholder: see the header; filled in by the helper that owns it.
