"""Start-up snippets that make ONNX Runtime look absent or broken in a child Python process.

Written as ``sitecustomize.py`` into a folder put first on the child's PYTHONPATH (tests of the
CLI's and the GUI's one-line "install kinesight[cpu]" messages); the real package stays installed.
"""

import textwrap

# As if onnxruntime were not installed: every import of it fails the way a missing package does.
NOT_INSTALLED = textwrap.dedent('''
    import sys

    class _NoOnnxRuntime:
        """As if onnxruntime were not installed."""

        def find_spec(self, name, path=None, target=None):
            if name == "onnxruntime" or name.startswith("onnxruntime."):
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            return None

    sys.meta_path.insert(0, _NoOnnxRuntime())
''')

# As if it were installed but its native library could not be loaded (an onnxruntime/ package
# whose __init__ raises this).
BROKEN = 'raise ImportError("libonnxruntime.so.1: cannot open shared object file: No such file or directory")\n'
