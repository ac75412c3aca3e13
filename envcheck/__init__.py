"""envcheck: is this Python environment ready for TensorFlow, and if not, what exactly do I do?"""

__version__ = "0.1.0"
