"""labgrade: grade the OpenStack lab "Under the hood: networking" on a real or simulated host."""

__version__ = "0.1.0"
