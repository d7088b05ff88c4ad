"""Publishing a signed-off translation: the frozen renderings with the disclosure line,
the audit record, the edit effort (HTER), and the output files of drafts and publications."""
