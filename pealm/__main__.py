# `python -m pealm`: the same entry point as the console script. Written by hand (nbdev cannot export a
# `__main__` guard); everything it calls is exported from nbs/22_cli.ipynb.
import sys
from pealm.cli import main

if __name__ == "__main__": sys.exit(main())
