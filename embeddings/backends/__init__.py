"""One module per way of running an embedding model; `embeddings.encoder.load_encoder` picks one."""
