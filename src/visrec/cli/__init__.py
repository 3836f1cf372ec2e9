"""The ``visrec`` command line: one thin module per command group."""
