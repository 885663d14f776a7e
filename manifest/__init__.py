"""The Teams app package: manifest template, icons, and `rota manifest build`."""
