"""Reports of a design comparison: the comparison CSV, a Markdown report and an HTML page, an
Excel workbook, SVG maps and PNG figures, GIS layers of each design's areas and lots (GeoJSON, and
a GeoPackage in British National Grid for an imported authority) and each design's design.json."""

from .compose import write_reports

__all__ = ["write_reports"]
