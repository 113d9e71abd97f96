import Foundation

/// Shortest paths over a grid of passable cells (4-connectivity): breadth-first search to the nearest cell
/// that satisfies a goal, and A* to one known cell. Both take the same `passable:` closure, so a planner on
/// an agent's own map and one on the true layout differ only in what they pass.
public enum GridPlanner {
    /// The 4-connected neighbours of a cell (some may lie outside the maze).
    public static func neighbours(_ x: Int, _ y: Int) -> [(Int, Int)] { [(x + 1, y), (x - 1, y), (x, y + 1), (x, y - 1)] }

    /// Cells from `start` to the nearest cell satisfying `goal`, both included; nil when none is reachable.
    public static func path(size n: Int, from start: (x: Int, y: Int), passable: (Int, Int) -> Bool,
                            goal: (Int, Int) -> Bool) -> [(x: Int, y: Int)]? {
        guard start.x >= 0, start.y >= 0, start.x < n, start.y < n else { return nil }
        var parent = [Int](repeating: -2, count: n * n)
        let s = start.y * n + start.x
        parent[s] = -1
        var queue = [s], head = 0
        while head < queue.count {
            let c = queue[head]; head += 1
            let x = c % n, y = c / n
            if goal(x, y) { return trace(parent, to: c, size: n) }
            for (nx, ny) in neighbours(x, y)
            where nx >= 0 && ny >= 0 && nx < n && ny < n && parent[ny * n + nx] == -2 && passable(nx, ny) {
                parent[ny * n + nx] = c
                queue.append(ny * n + nx)
            }
        }
        return nil
    }

    /// Every cell reachable from `start` with its path length, in breadth-first order (nearest first; among
    /// equals, the order `path(size:from:passable:goal:)` visits them, so the first cell in the list that
    /// satisfies a goal is the one that search returns).
    public static func reachable(size n: Int, from start: (x: Int, y: Int),
                                 passable: (Int, Int) -> Bool) -> [(x: Int, y: Int, distance: Int)] {
        guard start.x >= 0, start.y >= 0, start.x < n, start.y < n else { return [] }
        var distance = [Int](repeating: -1, count: n * n)
        let s = start.y * n + start.x
        distance[s] = 0
        var queue = [s], head = 0
        while head < queue.count {
            let c = queue[head]; head += 1
            for (nx, ny) in neighbours(c % n, c / n)
            where nx >= 0 && ny >= 0 && nx < n && ny < n && distance[ny * n + nx] < 0 && passable(nx, ny) {
                distance[ny * n + nx] = distance[c] + 1
                queue.append(ny * n + nx)
            }
        }
        return queue.map { ($0 % n, $0 / n, distance[$0]) }
    }

    /// A shortest path from `start` to `goal`, both included, by A* with the Manhattan distance (admissible
    /// on a 4-connected grid); nil when the goal is unreachable. Expands far fewer cells than breadth-first
    /// search when the goal is known.
    public static func aStar(size n: Int, from start: (x: Int, y: Int), to goal: (x: Int, y: Int),
                             passable: (Int, Int) -> Bool) -> [(x: Int, y: Int)]? {
        func inside(_ x: Int, _ y: Int) -> Bool { x >= 0 && y >= 0 && x < n && y < n }
        guard inside(start.x, start.y), inside(goal.x, goal.y) else { return nil }
        func h(_ c: Int) -> Int { abs(c % n - goal.x) + abs(c / n - goal.y) }
        let s = start.y * n + start.x, g = goal.y * n + goal.x
        var parent = [Int](repeating: -2, count: n * n), cost = [Int](repeating: .max, count: n * n)
        var closed = [Bool](repeating: false, count: n * n)
        parent[s] = -1; cost[s] = 0
        var open = MinHeap()
        open.push(priority: h(s), tie: 0, s)
        while let c = open.pop() {
            if c == g { return trace(parent, to: c, size: n) }
            if closed[c] { continue }
            closed[c] = true
            for (nx, ny) in neighbours(c % n, c / n) where inside(nx, ny) && passable(nx, ny) {
                let k = ny * n + nx, d = cost[c] + 1
                guard d < cost[k] else { continue }
                cost[k] = d; parent[k] = c
                open.push(priority: d + h(k), tie: h(k), k)
            }
        }
        return nil
    }

    /// Shortest path between two cells over the free cells of `layout`.
    public static func path(in layout: MazeLayout, from a: (x: Int, y: Int), to b: (x: Int, y: Int)) -> [(x: Int, y: Int)]? {
        aStar(size: layout.size, from: a, to: b) { layout.isFree($0, $1) }
    }

    static func trace(_ parent: [Int], to c: Int, size n: Int) -> [(x: Int, y: Int)] {
        var out: [(x: Int, y: Int)] = []
        var k = c
        while k >= 0 { out.append((k % n, k / n)); k = parent[k] }
        return out.reversed()
    }
}

/// A binary min-heap of cell indices keyed by (priority, tie): A*'s open set, ties broken toward the goal.
struct MinHeap {
    private var items: [(priority: Int, tie: Int, value: Int)] = []

    private static func less(_ a: (priority: Int, tie: Int, value: Int), _ b: (priority: Int, tie: Int, value: Int)) -> Bool {
        (a.priority, a.tie, a.value) < (b.priority, b.tie, b.value)
    }

    mutating func push(priority: Int, tie: Int, _ value: Int) {
        items.append((priority, tie, value))
        var i = items.count - 1
        while i > 0 {
            let p = (i - 1) / 2
            guard Self.less(items[i], items[p]) else { break }
            items.swapAt(i, p); i = p
        }
    }

    mutating func pop() -> Int? {
        guard let top = items.first else { return nil }
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < items.count && Self.less(items[l], items[m]) { m = l }
                if r < items.count && Self.less(items[r], items[m]) { m = r }
                if m == i { break }
                items.swapAt(i, m); i = m
            }
        }
        return top.value
    }
}
