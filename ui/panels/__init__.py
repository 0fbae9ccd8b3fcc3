"""Home-page panels, one module per feature; importing this package registers them all."""

from ui.panels import admin  # noqa: F401
from ui.panels import sharing  # noqa: F401
