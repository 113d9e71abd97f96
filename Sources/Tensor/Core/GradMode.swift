/// Whether operations record the autodiff graph, per task (safe under parallel tests).
public enum GradMode {
    /// True unless inside ``noGrad(_:)``.
    @TaskLocal public static var isEnabled = true
}

/// Runs `body` without recording any autodiff graph (evaluation, optimiser updates, analyses).
///
/// ```swift
/// let y = noGrad { model(x) }   // y.requiresGrad == false
/// ```
@discardableResult
public func noGrad<R>(_ body: () throws -> R) rethrows -> R {
    try GradMode.$isEnabled.withValue(false) { try body() }
}
