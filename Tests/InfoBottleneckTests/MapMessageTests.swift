import Foundation
import Testing
import MazeEnv
import SpatialMemory
@testable import InfoBottleneck

@Suite("Map messages")
struct MapMessageTests {
    /// A patch of the sender's map, sent through a lossless code and merged by a receiver that knew nothing,
    /// leaves the receiver believing exactly the sender's cells inside the patch and nothing outside it.
    @Test func aLosslessMessageCopiesTheSendersPatch() throws {
        let world = try MazeWorld(size: 15, seed: 4)
        let poses = FrontierExplorer.explore(world, steps: 300, seed: 4, renderer: nil).trajectory.observations(of: 0).map(\.pose)
        var sender = OccupancyMap(size: 15)
        for pose in poses { sender.integrate(.groundTruth(world.layout, pose: pose), at: pose) }
        let centre = sender.cellMap.knownFreeCells[0]
        let message = MapMessage(from: sender, centre: centre, side: 11)
        let coder = LosslessPatchCoder(training: try PatchSampler(seed: 3).sample(200))
        let received = MapMessage(centre: centre, patch: try coder.decode(coder.encode(message.patch)))
        #expect(received == message)
        var receiver = OccupancyMap(size: 15)
        receiver.receive(received)
        for y in 0..<15 { for x in 0..<15 {
            let inside = abs(x - centre.x) <= 5 && abs(y - centre.y) <= 5
            #expect(receiver.isFree(x, y) == (inside ? sender.isFree(x, y) : nil))
        } }
    }
}
