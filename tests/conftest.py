"""The suite's root conftest. Its presence makes pytest put tests/ on sys.path (the default `prepend` import mode),
so that test modules in every folder can import the helpers kept here (`diff_support.py`)."""
