"""What may draw the shipped templates, importable without loading either engine: the CLI's
option and the settings check it, and WeasyPrint alone takes about half a second to import."""

ENGINES = ("reportlab", "weasyprint")  # of the shipped templates (documents.reportlab_drawing)
