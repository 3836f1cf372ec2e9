"""visrec: the visual-recognition system of Stanford's CS231n, as real software.

Sub-packages follow the course:

- :mod:`visrec.data`      datasets in their real formats, decode cache, splits, preprocessing
- :mod:`visrec.classic`   Lectures 2-3: k-NN, linear SVM / Softmax, image features, random search
- :mod:`visrec.numpy_nn`  Lectures 4-7: a from-scratch NumPy deep-learning engine and training toolkit
- :mod:`visrec.torch_nn`  Lectures 8-9: model registry, architecture zoo, summary, trainer that scales
- :mod:`visrec.report`    matplotlib figures
- :mod:`visrec.cli`       the ``visrec`` command line
"""

__version__ = "0.1.0"
