"""The British National Grid (OSGB36, EPSG:27700): WGS84 longitude/latitude to easting and northing in
km and back, without a projection library.

WGS84 to OSGB36 by Ordnance Survey's 7-parameter Helmert transformation (good to a few metres, ample for
small areas; OSTN15 would be centimetres), then the National Grid's Transverse Mercator on the Airy 1830
ellipsoid (OS, "A guide to coordinate systems in Great Britain", annexes B and C).
"""

from __future__ import annotations

import numpy as np

WGS84_AXES = (6378137.000, 6356752.314245)
AIRY_1830_AXES = (6377563.396, 6356256.909)
HELMERT = {"tx": -446.448, "ty": 125.157, "tz": -542.060, "scale_ppm": 20.4894,
           "rx_arcsec": -0.1502, "ry_arcsec": -0.2470, "rz_arcsec": -0.8421}
GRID = {"scale": 0.9996012717, "lat0": 49.0, "lon0": -2.0, "east0": 400_000.0, "north0": -100_000.0}


def british_national_grid_km(lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Easting and northing in km of WGS84 points (on the ellipsoid, height 0)."""
    phi, lam = _wgs84_to_osgb36(np.radians(lat), np.radians(lon))
    east, north = _national_grid(phi, lam)
    return east / 1000, north / 1000


def _wgs84_to_osgb36(phi: np.ndarray, lam: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    a, b = WGS84_AXES
    e2 = 1 - b * b / (a * a)
    nu = a / np.sqrt(1 - e2 * np.sin(phi) ** 2)
    x, y, z = nu * np.cos(phi) * np.cos(lam), nu * np.cos(phi) * np.sin(lam), (1 - e2) * nu * np.sin(phi)
    s = 1 + HELMERT["scale_ppm"] * 1e-6
    rx, ry, rz = (np.radians(HELMERT[k] / 3600) for k in ("rx_arcsec", "ry_arcsec", "rz_arcsec"))
    x, y, z = (HELMERT["tx"] + s * x - rz * y + ry * z, HELMERT["ty"] + rz * x + s * y - rx * z,
               HELMERT["tz"] - ry * x + rx * y + s * z)
    a, b = AIRY_1830_AXES
    e2 = 1 - b * b / (a * a)
    p = np.hypot(x, y)
    phi = np.arctan2(z, p * (1 - e2))
    for _ in range(6):  # converges to well under a millimetre
        nu = a / np.sqrt(1 - e2 * np.sin(phi) ** 2)
        phi = np.arctan2(z + e2 * nu * np.sin(phi), p)
    return phi, np.arctan2(y, x)


def _national_grid(phi: np.ndarray, lam: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    a, b = AIRY_1830_AXES
    f0, phi0, lam0 = GRID["scale"], np.radians(GRID["lat0"]), np.radians(GRID["lon0"])
    e2, n = 1 - b * b / (a * a), (a - b) / (a + b)
    sin, cos, tan2 = np.sin(phi), np.cos(phi), np.tan(phi) ** 2
    nu = a * f0 / np.sqrt(1 - e2 * sin ** 2)
    rho = a * f0 * (1 - e2) / (1 - e2 * sin ** 2) ** 1.5
    eta2 = nu / rho - 1
    dp, sp = phi - phi0, phi + phi0
    m = b * f0 * ((1 + n + 1.25 * n ** 2 + 1.25 * n ** 3) * dp
                  - (3 * n + 3 * n ** 2 + 21 / 8 * n ** 3) * np.sin(dp) * np.cos(sp)
                  + (15 / 8 * n ** 2 + 15 / 8 * n ** 3) * np.sin(2 * dp) * np.cos(2 * sp)
                  - 35 / 24 * n ** 3 * np.sin(3 * dp) * np.cos(3 * sp))
    d = lam - lam0
    north = (m + GRID["north0"] + nu / 2 * sin * cos * d ** 2
             + nu / 24 * sin * cos ** 3 * (5 - tan2 + 9 * eta2) * d ** 4
             + nu / 720 * sin * cos ** 5 * (61 - 58 * tan2 + tan2 ** 2) * d ** 6)
    east = (GRID["east0"] + nu * cos * d + nu / 6 * cos ** 3 * (nu / rho - tan2) * d ** 3
            + nu / 120 * cos ** 5 * (5 - 18 * tan2 + tan2 ** 2 + 14 * eta2 - 58 * tan2 * eta2) * d ** 5)
    return east, north


def lonlat_to_grid_km(coords: np.ndarray) -> np.ndarray:
    """Rows of (lon, lat) to rows of (easting, northing) km, as `shapely.transform` passes them."""
    return np.column_stack(british_national_grid_km(coords[:, 1], coords[:, 0]))


NEWTON_STEPS = 4


def grid_km_to_lonlat(coords: np.ndarray) -> np.ndarray:
    """British National Grid km → WGS84 lon/lat: the import's own projection inverted by Newton's method."""
    east, north = coords[:, 0], coords[:, 1]
    lat = GRID["lat0"] + (north - GRID["north0"] / 1000) / 111.2  # the grid's true origin, then about 111 km a degree
    lon = GRID["lon0"] + (east - GRID["east0"] / 1000) / (111.3 * np.cos(np.radians(lat)))
    step = 1e-6  # degrees, for the derivatives
    for _ in range(NEWTON_STEPS):
        x, y = british_national_grid_km(lat, lon)
        x_lat, y_lat = british_national_grid_km(lat + step, lon)
        x_lon, y_lon = british_national_grid_km(lat, lon + step)
        a, b, c, d = (x_lon - x) / step, (x_lat - x) / step, (y_lon - y) / step, (y_lat - y) / step
        dx, dy, det = east - x, north - y, a * d - b * c
        lon, lat = lon + (d * dx - b * dy) / det, lat + (a * dy - c * dx) / det
    return np.column_stack([lon, lat])
