"""The command line. The only package that imports typer or rich."""
