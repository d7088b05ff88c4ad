"""The automatic checks of a translation: one small class per check behind one contract
(``base``), one registry, the runner that places findings, and the typography fixer."""
