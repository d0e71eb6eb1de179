"""Reports of a design comparison: Markdown, HTML, Excel, PNG figures and GeoJSON."""

from .compose import write_reports

__all__ = ["write_reports"]
