"""The records of the translation flow: models, migrations, read and write sessions, the
builder of the one model of a translation, and who is acting (``actors``)."""
