"""The blobs port: binary objects by id with a content type and a size cap (DESIGN §5, §6)."""
