"""Text analysis libraries the checks and the memory share: names in English copy and where a
translation puts them (``names``), figures read in any pack's language (``figures``), Hunspell."""
