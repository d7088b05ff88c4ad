"""Engines: turn segment requests into translations with provenance (llama.cpp in-process,
OpenAI-compatible servers), each declaring its capabilities; prompts and output validation."""
