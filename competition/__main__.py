"""`python -m competition` is the `competition` command."""

from .cli import main

if __name__ == "__main__":
    main()
