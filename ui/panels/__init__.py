"""Home-page panels, one module per feature; importing this package registers them all."""

from ui.panels import (
    admin,  # noqa: F401
    catalog,  # noqa: F401
    inbox,  # noqa: F401
    sharing,  # noqa: F401
)
