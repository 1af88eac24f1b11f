"""``python -m cloudaudit`` runs the command line."""

from cloudaudit.cli import main

if __name__ == "__main__":
    main()
