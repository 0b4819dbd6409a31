"""Independent NumPy answers that TensorFlow's numbers are checked against. No TensorFlow here."""
