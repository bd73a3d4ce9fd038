"""Generated JavaScript and HTML: data (context.py) rendered by the Jinja templates in templates/."""
