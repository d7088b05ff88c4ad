"""What Relais learns from published text: the translation memory and the termbase, and
their exchange with other CAT tools (TMX, TBX, the XLIFF export)."""
