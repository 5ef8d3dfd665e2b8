"""Viertelwerk: renovation projects on acquired buildings, run as employment projects."""
