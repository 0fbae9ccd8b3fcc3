"""Administration widgets: the home panels of the three administrators."""
