"""Inventories in: read a CSV or XLSX use-case list and map its rows onto proposal files."""
