// The shared basics (random generator, images, atomic writes, file errors) are part of the Tensor API too.
@_exported import Basics
