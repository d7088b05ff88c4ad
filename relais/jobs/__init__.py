"""Jobs: run one article's translation into one language (resumable, engine then checks),
through the one executor, in process or from the PostgreSQL task queue's workers."""
