// `import SharedSpatialMemory` brings every library target of the package.
@_exported import BEV
@_exported import GridCell
@_exported import HRLICM
@_exported import InfoBottleneck
@_exported import MazeEnv
@_exported import Plotting
@_exported import SocialPlaceCell
@_exported import SpatialMemory
@_exported import TeamSearch
@_exported import Tensor
@_exported import Training
