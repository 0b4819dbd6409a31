"""The sample program as runnable scripts for a given run, in compat.v1, TF2 and Keras form,
and as a notebook of the three.

Text only: no TensorFlow here. Each line may name the page action it corresponds to (so the page
can highlight it) and a note about an API the sample used under an older name. Running a listing
prints, for every step, the step number, the loss and b and m: the same numbers as the run, as
the tests check. Any optimizer, loss, batch size and learning-rate schedule of a run is
written out; the default run reads as the sample.
"""
